"""CX Scorecard: the Flask application factory, and the step that readies a served process."""
import gc

from flask import Flask


def create_app(config=None) -> Flask:
    """Build the app: config, extensions, security, blueprints, commands, dashboards."""
    app = Flask(__name__, instance_relative_config=True)
    from scorecard import routing
    routing.init_app(app)  # before any route: an id too large for the database is 404, not 500
    from scorecard.json_bodies import JSONProvider
    app.json = JSONProvider(app)  # JSON nested too deeply is bad input (400), not a failure

    from scorecard.config import load_config
    load_config(app, config)

    from scorecard.extensions import csrf, db, login_manager, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    login_manager.init_app(app)
    from dashboards.cache import init_cache
    init_cache(app)

    # Sign-in is checked before CSRF, so anonymous requests always meet the sign-in wall.
    from scorecard import security
    security.init_app(app)
    csrf.init_app(app)

    from scorecard.auth import bp as auth_bp
    from scorecard.main import bp as main_bp
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(main_bp)

    from scorecard.findings import bp as findings_bp
    from scorecard.plans import bp as plans_bp
    from scorecard.rules_web import bp as rules_bp
    app.register_blueprint(plans_bp, url_prefix="/plans")
    app.register_blueprint(rules_bp, url_prefix="/rules")
    app.register_blueprint(findings_bp, url_prefix="/findings")
    from scorecard.commitments import bp as commitments_bp
    from scorecard.reminders import bp as reminders_bp
    app.register_blueprint(commitments_bp, url_prefix="/commitments")
    app.register_blueprint(reminders_bp, url_prefix="/outbox")
    from scorecard.capacity import bp as capacity_bp
    app.register_blueprint(capacity_bp, url_prefix="/capacity")
    from scorecard import admin
    app.register_blueprint(admin.bp, url_prefix="/admin")
    admin.init_app(app)

    from importers.web import bp as imports_bp
    app.register_blueprint(imports_bp, url_prefix="/imports")

    from importers import access, jobs, pipeline, revert, trail
    from importers import errors as import_errors
    from scorecard import api
    api.init_app(app, api.ImportServices(access=access, jobs=jobs, pipeline=pipeline, revert=revert,
                                         errors=import_errors, trail=trail))

    from scorecard import errors
    errors.init_app(app)
    _collect_after_large_bodies(app)
    from scorecard.naming import component_named, leader_in_table, leader_named, metric_named, unit_named
    from scorecard.text import counted, cut, days_ago, named_values, nothing_shown, readable_json
    app.add_template_filter(readable_json)
    app.add_template_filter(named_values)
    app.add_template_filter(nothing_shown)
    app.add_template_filter(cut)
    app.add_template_filter(days_ago)
    app.add_template_filter(counted)
    app.add_template_filter(leader_named)  # "Pat Smith", told from a namesake where there is one (scorecard.naming)
    app.add_template_filter(leader_in_table)
    app.add_template_filter(unit_named)
    app.add_template_filter(component_named)
    app.add_template_filter(metric_named)
    from scorecard.clock import day_of, moment_on_a_page
    app.add_template_filter(day_of, "day")  # a stamp's day, in the agency's time zone (as days are counted)
    app.add_template_filter(moment_on_a_page, "when")  # a stamp to the minute, in that zone, with its abbreviation

    from scorecard.cli import register_commands
    register_commands(app)

    from importers.cli import register as register_import_commands
    register_import_commands(app)
    from importers.demo import init_app as init_import_demo
    init_import_demo(app)
    from scorecard.rules import init_app as init_rules
    init_rules(app)
    from scorecard.reminders import init_app as init_reminders
    init_reminders(app)

    from dashboards import dash_app, init_dashboards
    init_dashboards(app)
    security.allow_inline_scripts(app, dash_app.csp_hashes)  # Dash's renderer and inline callbacks, by hash
    security.trust_proxies(app)
    return app


def served_copy_is_the_installed_one() -> None:
    """Stop a server about to run this code while another copy of the app is installed in the environment
    (`pip install .` from a checkout, then gunicorn started in the checkout, which imports the checkout's
    code): the `scorecard` command and its worker would run the installed copy, with its own instance folder
    (an upload stored by the server and looked for by the worker in another folder; a SQLite database migrated
    by the command and not the one served) and, after the checkout is updated, its older migrations. An
    editable install (`pip install -e .`, `make install`) puts no copy there. Called by wsgi.py."""
    import sysconfig
    from pathlib import Path

    here = Path(__file__).resolve()
    installed = Path(sysconfig.get_paths()["purelib"]) / "scorecard" / "__init__.py"
    if installed.is_file() and installed.resolve() != here:
        import sys

        # gunicorn halts on a worker's exit code 3 (it failed to boot); any other brought a new worker at once
        print(
            f"Not started: this server would run the app's code in {here.parent.parent}, while the scorecard "
            f"command runs the copy installed in {installed.parent.parent} (with its own instance folder, and "
            f"its own migrations). Install the checkout as itself, `{Path(sysconfig.get_paths()['scripts'])}/pip "
            "install -e .`, so that both run the same code.", file=sys.stderr)
        raise SystemExit(3)


def _migrations_dir() -> str:
    from pathlib import Path
    return str(Path(__file__).resolve().parent.parent / "migrations")


# When the garbage collector looks for cycles: after this many more container objects made than
# freed (Python's default is 700), and its older generations after 10 of the younger's.
COLLECT_AFTER = (20_000, 10, 10)

# A request body past this size is followed by a collection of cycles once its answer is sent.
LARGE_BODY_BYTES = 256 * 1024


def _collect_after_large_bodies(app) -> None:
    """After the answer to a large body (a bulk upload, an import's file, or one refused) is sent, collect
    cycles at once: what such a request left in a cycle is millions of small objects the collector's
    thresholds never count, kept until a full collection that might not come. Twenty-one MB of empty objects
    refused held half a gigabyte a request in a worker, for good (the API's refusal now lets go of its document
    itself: api.base.Parser.handle_error); this is the net under any other such cycle."""
    from flask import request

    @app.after_request
    def collect_once_sent(response):
        if (request.content_length or 0) > LARGE_BODY_BYTES or request.headers.get("Transfer-Encoding"):
            response.call_on_close(gc.collect)
        return response


def settle_for_serving() -> None:
    """Take what the process made at start-up (modules, Dash's pages, Plotly's validators,
    SQLAlchemy's mappers: hundreds of thousands of objects that live as long as the process) out
    of the garbage collector's view, so that its full collections walk only what requests made;
    and let requests allocate more before it looks for cycles (COLLECT_AFTER). A dashboard answer
    makes tens of thousands of short-lived objects that reference counting frees as it goes: with
    the default threshold the collector ran about a hundred times within one overview. Called once
    by the served entry point (wsgi.py). Measured on the dashboard benchmark (1,000,000
    observations, cold): freezing took the overview's answer from 658 to 431 ms (p50), the
    heatmap's from 277 to 195 ms. The threshold, over 20 cold answers of five pages (overview,
    leaders, heatmap, life experiences, compliance): time collecting 1,439 -> 323 ms, the longest
    single pause 136 -> 25 ms. A higher one (50,000) collected less in total but makes the middle
    generation hold what every in-flight request has made, so its rarer collections pause longer
    for all of a worker's threads."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECT_AFTER)
