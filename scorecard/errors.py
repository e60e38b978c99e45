"""Error pages that speak plainly and never leak internals."""
from flask import jsonify, render_template, request


def init_app(app) -> None:
    for code in (400, 401, 403, 404, 405, 413, 414, 429, 500):
        app.register_error_handler(code, _handler(code))


TITLES = {
    400: "The request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file is too large",
    414: "The address is too long",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def _handler(code):
    def handle(error):
        description = getattr(error, "description", None) if code != 500 else None
        if "/_dash-" in request.path or request.is_json:
            return jsonify(error=TITLES[code], detail=description), code
        return render_template("error.html", code=code, title=TITLES[code], description=description), code
    return handle
