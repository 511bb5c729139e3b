"""The login form: what axes and authenticate() may be handed."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length bounded before anyone authenticates.

    AuthenticationForm sets `max_length` on the username field after the field
    is built, so no MaxLengthValidator comes with it: a 5,000-character username
    reached authenticate(), and django-axes then wrote it into a 255-character
    column (a 500 on PostgreSQL). Now it is a form error, and clean() calls
    authenticate() only with a valid username. NUL bytes are refused by the
    field's own ProhibitNullCharactersValidator, password included.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
