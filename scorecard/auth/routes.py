"""Sign-in / sign-out pages."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from scorecard.auth import bp
from scorecard.auth.forms import SignInForm
from scorecard.auth.services import SignInLocked, authenticate
from scorecard.security import safe_next


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"), url_for("main.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInLocked as locked:
            flash(f"Too many failed sign-ins. Try again in {locked.retry_after // 60 + 1} minutes.", "error")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            login_user(user)
            return redirect(next_url)
        flash("That e-mail and password do not match an active account.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
