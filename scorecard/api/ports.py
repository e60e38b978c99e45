"""What the API needs from the import pipeline, handed in by the app factory.

The domain never imports `importers` (DESIGN §5): the factory, which wires the packages together,
gives `init_app` the importers' modules, and the API reaches them only through this object —
the same functions and checks the import pages and the command line use."""
from dataclasses import dataclass
from types import ModuleType

from flask import current_app

EXTENSION = "scorecard.api.imports"


@dataclass(frozen=True)
class ImportServices:
    """The importers' modules the API calls:

    - `access`: `refusal(user, batch)`, `uploadable(user)`, `may_upload(user, format)`, `batch_format(batch)`
      (who may act on which batch, as the import pages check it);
    - `jobs`: `store`, `launch`, `claim`, `discard_files`, `read_progress`, `give_up_if_stalled`, `sweep`
      (the stored upload, and its preview and commit in the background);
    - `pipeline`: `run_import` and `ImportResult.as_json()` (one file, validated and committed whole), and
      `needed_options` (the choices a layout needs made at upload);
    - `revert`: `revert_batch` and `RevertError`;
    - `errors`: `ImportFileError` (a problem with a whole file);
    - `trail`: `step_people` (who confirmed and who reverted each batch, from the audit log)."""

    access: ModuleType
    jobs: ModuleType
    pipeline: ModuleType
    revert: ModuleType
    errors: ModuleType
    trail: ModuleType


def imports() -> ImportServices:
    try:
        return current_app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("the app factory did not hand the import pipeline to the API "
                           "(scorecard.api.init_app)") from None
