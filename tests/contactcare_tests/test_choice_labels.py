"""contactcare.choices.ChoiceLabels: the same labels as Django's get_FOO_display, translating only the one shown."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from contactcare.choices import ChoiceLabels
from contacts.models import ContactMoment

MODELS = [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]
CASES = [(model, field) for model in MODELS for field in model._meta.concrete_fields if field.choices]


def test_every_model_with_choices_uses_it():
    """A model added later with choices and without the mixin would pay Django's price again on every label."""
    ours = ("contactcare", "contacts", "followups", "reports", "cti", "api", "coaching")
    missing = [
        m.__name__
        for m in apps.get_models()
        if m._meta.app_label in ours
        and not m.__name__.startswith("Historical")
        and any(f.choices for f in m._meta.concrete_fields)
        and not issubclass(m, ChoiceLabels)
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize(("model", "field"), CASES, ids=[f"{m.__name__}.{f.name}" for m, f in CASES])
def test_same_label_as_django_for_every_value(model, field, language):
    values = [value for value, _ in field.flatchoices] + ["not-a-choice", None]
    with translation.override(language):
        for value in values:
            obj = model()
            setattr(obj, field.attname, value)
            ours = getattr(obj, f"get_{field.name}_display")()
            djangos = models.Model._get_FIELD_display(obj, field)
            assert ours == djangos
            assert type(ours) is type(djangos)


def test_label_follows_the_language_after_the_first_call():
    """The map keeps the labels lazy: built while English is active, it still answers in Dutch."""
    moment = ContactMoment(channel=ContactMoment.Channel.PHONE)
    with translation.override("en"):
        english = moment.get_channel_display()
    with translation.override("nl"):
        dutch = moment.get_channel_display()
    assert english == "Phone"
    assert dutch == "Telefoon"


def test_only_the_shown_label_is_translated(monkeypatch):
    """Django's version translates every label of the field per call (it hashes them); ours translates one."""
    calls = []
    real = translation._trans.gettext  # what every gettext, lazy or not, ends in
    monkeypatch.setattr(translation._trans, "gettext", lambda message: calls.append(message) or real(message))
    moment = ContactMoment(sentiment_end=ContactMoment.Sentiment.NEUTRAL)
    with translation.override("nl"):
        moment.get_sentiment_end_display()  # the map is built here, lazily
        calls.clear()
        moment.get_sentiment_end_display()
        ours = len(calls)
        calls.clear()
        models.Model._get_FIELD_display(moment, ContactMoment._meta.get_field("sentiment_end"))
        djangos = len(calls)
    assert ours == 1
    assert djangos >= len(ContactMoment.Sentiment.choices)
