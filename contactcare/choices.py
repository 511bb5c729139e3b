"""`get_FOO_display()` that translates the one label it shows, not every label of the field.

Django's `Model._get_FIELD_display` builds `dict(make_hashable(field.flatchoices))`
on every call. Hashing a lazily translated label translates it, so one call
translates every label of the field: a customer page of 20 contact rows with
five labelled fields each made ~700 gettext calls for 100 labels shown, about
a tenth of the page's Python time (bench, issue 11).

`ChoiceLabels` builds the value → label map once per field, with the labels
still lazy, so a call translates only the label it returns, in the language of
the request. Everything else is Django's: a value not among the choices is
shown as it is, and `strings_only` keeps `None` as `None`.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class ChoiceLabels:
    """Mixin for a model with choices; put it before `models.Model` in the bases."""

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_contactcare_labels")
        if labels is None:
            # The choices are TextChoices/IntegerChoices: fixed once the models are loaded.
            labels = field._contactcare_labels = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
