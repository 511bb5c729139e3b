"""Form helpers every app shares (below the apps): service errors on forms, submit-once keys, no silent cuts."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form

from .services import submission_key_new

BIGINT_MAX = 2**63 - 1


def add_service_error(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class IdField(forms.IntegerField):
    """A database id in a form or query string: a positive 64-bit integer, or a form error (never a 500)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def id_in_range(value) -> bool:
    try:
        return 1 <= int(str(value).strip()) <= BIGINT_MAX
    except (TypeError, ValueError):
        return False


class ModelIdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField by id that answers an id beyond 64 bits with its form error instead of letting the
    database driver overflow (a 500)."""

    def to_python(self, value):
        if value not in self.empty_values and not id_in_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelIdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField by id, with the same guard as ModelIdChoiceField for every value."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple | set | frozenset) else [value]:
            if not id_in_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SubmissionKeyField(forms.UUIDField):
    """The one-time key a create form carries (hidden); the view hands it to the service.

    `static/js/app.js` puts the key that was submitted back into the form when
    the user comes back to it with the Back button (the browser re-fetches the
    page, with a fresh key, but restores what was typed).
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def with_submission_key(form: Form) -> Form:
    """A fresh key on an unbound form (each visit to the page is one submission)."""
    if not form.is_bound and "submission_key" in form.fields:
        form.initial["submission_key"] = submission_key_new()
    return form


def without_length_cut(form: Form) -> Form:
    """Drop the `maxlength` attribute browsers use to cut pasted text without a word.

    Length is checked on the server, with a message saying by how much a text is too long.
    """
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)
    return form
