"""The sign-in and sign-out forms (CSRF-protected, text fields refuse bidirectional controls)."""
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from scorecard.security import BaseForm


class SignInForm(BaseForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Sign in")


class SignOutForm(BaseForm):
    submit = SubmitField("Sign out")
