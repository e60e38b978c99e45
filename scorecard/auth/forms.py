"""The sign-in and sign-out forms (CSRF-protected, text fields refuse bidirectional controls)."""
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from scorecard.security import BaseForm


class SignInForm(BaseForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)])
    submit = SubmitField("Sign in")


class SignOutForm(BaseForm):
    submit = SubmitField("Sign out")
