"""The sign-in, sign-out and change-your-password forms (CSRF-protected, text fields refuse bidirectional
controls)."""
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from scorecard.security import BaseForm


class SignInForm(BaseForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)])
    submit = SubmitField("Sign in")


class SignOutForm(BaseForm):
    submit = SubmitField("Sign out")


class OwnPasswordForm(BaseForm):
    """A signed-in person's change of their own password."""

    current = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                            Length(max=200)])
    password = PasswordField("New password", validators=[DataRequired("Enter the new password."), Length(max=200)],
                             description=("At least 12 characters; not a commonly used password, nor your e-mail "
                                          "address. A few unrelated words make a good one."))
    confirm = PasswordField("New password again", validators=[DataRequired("Enter the new password again."),
                                                              EqualTo("password", "The two new passwords differ.")])
    submit = SubmitField("Change my password")
