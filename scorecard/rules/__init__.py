"""The rules engine: declarative rules (JSON data, never code) that turn observations, targets,
commitments and capacity assessments into findings, each with its lineage.

    schema.py     the rule JSON: shape, checks, compiling
    facts.py      the registry of typed fact providers
    evaluator.py  the pure evaluator: facts in, findings out
    context.py    everything an evaluation reads, in a few bulk queries
    subjects.py   which subjects a rule picks, and the quarter each is evaluated for
    service.py    evaluate and persist, simulate (what-if), replay a finding
    store.py      rule versions: draft → published → retired
    hooks.py      re-evaluation after imports; the default pack for `scorecard demo`
    tasks.py      evaluation as background work (after a rule is published or retired, a revert)
    cli.py        `scorecard evaluate`, `scorecard rules ...`
"""


def init_app(app) -> None:
    """Re-evaluate after every import and revert, and give `scorecard demo` the default pack."""
    from scorecard.rules import hooks, store, tasks  # noqa: F401  (store: the version guard; tasks: the task)

    hooks.connect()
