"""Django's own Dutch wording for four form messages that Django REST framework's catalogue also translates.

An installed app's catalogue outranks Django's, so with `rest_framework` installed
"This field is required." read "Dit veld is vereist." on every form. Our catalogue
(LOCALE_PATHS) outranks both; these markers keep the messages in it.
"""

from django.utils.translation import gettext_noop

DJANGO_WORDING = [
    gettext_noop("This field is required."),
    gettext_noop("No file was submitted."),
    gettext_noop("Value must be valid JSON."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
]
