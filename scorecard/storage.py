"""Where uploaded files are kept until their import is confirmed or given up: a folder (local, or
shared by every host: SCORECARD_UPLOAD_FOLDER), or S3-compatible object storage when
SCORECARD_UPLOAD_STORAGE is `s3://bucket/prefix` (boto3; SCORECARD_S3_ENDPOINT_URL for a store
other than AWS's). A stored upload is named by a key, kept on its import batch; `local(key)` gives
a file on disk to read (for S3, a private temporary copy, removed afterwards).
"""
import contextlib
import hashlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

EXTENSION = "scorecard.storage"
BLOCK = 1 << 20


class StorageUnavailable(Exception):
    """The storage could not keep a file (a full disk, a folder not writable, the object store not
    answering): nothing of it was kept. Its text says so in words a user can act on."""

    def __init__(self, cause: BaseException):
        super().__init__("The file could not be kept: the server's storage for uploaded files is full or cannot "
                         "be written to. Nothing was changed; try again later, or tell your administrator.")
        self.cause = cause


class FolderStorage:
    """Uploads as files in one folder (created readable by the owner only, under the app's umask)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        path = Path(key)
        if path.is_absolute():  # batches stored before keys: their full path
            return path
        if path.name != key or key in ("", ".", ".."):
            raise ValueError(f"not an upload key: {key!r}")
        return self.folder / key

    def save(self, stream: BinaryIO, name: str) -> tuple[str, str]:
        """Store `stream` under a new key ending in `name`; (key, sha256 of the content)."""
        key = f"{secrets.token_hex(8)}-{name}"
        digest = hashlib.sha256()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / key).open("wb") as handle:
                for block in iter(lambda: stream.read(BLOCK), b""):
                    digest.update(block)
                    handle.write(block)
        except OSError as error:  # a part written before the disk filled is no file of any batch: none is kept
            with contextlib.suppress(OSError):
                (self.folder / key).unlink(missing_ok=True)
            raise StorageUnavailable(error) from error
        return key, digest.hexdigest()

    @contextmanager
    def local(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"the stored upload {key!r} is no longer there")
        yield path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Uploads as objects under `prefix` in an S3 bucket."""

    def __init__(self, url: str, endpoint_url: str | None = None):
        import boto3

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"SCORECARD_UPLOAD_STORAGE must look like s3://bucket/prefix, not {url!r}")
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None)

    def _object(self, key: str) -> str:
        if "/" in key or key in ("", ".", ".."):
            raise ValueError(f"not an upload key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream: BinaryIO, name: str) -> tuple[str, str]:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        key = f"{secrets.token_hex(8)}-{name}"
        digest = hashlib.sha256()
        try:
            with tempfile.TemporaryFile() as spool:  # hashed on the way, then sent in parts
                for block in iter(lambda: stream.read(BLOCK), b""):
                    digest.update(block)
                    spool.write(block)
                spool.seek(0)
                self.client.upload_fileobj(spool, self.bucket, self._object(key))
        except (OSError, Boto3Error, BotoCoreError, ClientError) as error:  # a part-sent object is not kept
            raise StorageUnavailable(error) from error
        return key, digest.hexdigest()

    @contextmanager
    def local(self, key: str) -> Iterator[Path]:
        from botocore.exceptions import ClientError

        folder = tempfile.mkdtemp(prefix="scorecard-upload-")
        path = Path(folder) / key
        try:
            try:
                self.client.download_file(self.bucket, self._object(key), str(path))
            except ClientError as error:
                raise FileNotFoundError(f"the stored upload {key!r} is no longer there") from error
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
            return True
        except ClientError:
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))


def upload_folder(app) -> Path:
    """UPLOAD_FOLDER, else `uploads` in the instance folder."""
    folder = Path(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")
    with contextlib.suppress(OSError):  # one that cannot be made: a save says so (StorageUnavailable)
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def storage(app) -> FolderStorage | S3Storage:
    """The app's upload storage, as its settings name it (made once per app and setting)."""
    setting = app.config.get("UPLOAD_STORAGE") or ""
    wanted = (setting, app.config.get("UPLOAD_FOLDER"), app.config.get("S3_ENDPOINT_URL"))
    found = app.extensions.get(EXTENSION)
    if found is None or found[0] != wanted:
        # any other setting is refused at start (config.load_config); S3Storage names a malformed one too
        made = (S3Storage(setting, app.config.get("S3_ENDPOINT_URL")) if setting
                else FolderStorage(upload_folder(app)))
        found = app.extensions[EXTENSION] = (wanted, made)
    return found[1]
