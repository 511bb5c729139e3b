# Dutch dates as Dutch writes them: day and month names in lower case
# ("wo 21 okt", not "wo 21 Okt": Django's "M" always capitalises, "b" does not).
# Everything not set here comes from Django's own Dutch formats.

# The short forms ContactCare shows on screen and in e-mails (the |day and
# |when filters); the year only when it is not the current one.
DAY_FORMAT = "D j b"  # 'wo 21 okt'
DAY_YEAR_FORMAT = "D j b Y"  # 'wo 21 okt 2099'
WHEN_FORMAT = "D j b H:i"  # 'wo 21 okt 10:00'
WHEN_YEAR_FORMAT = "D j b Y H:i"  # 'wo 21 okt 2099 10:00'
DAY_MONTH_FORMAT = "j b"  # '21 okt' (the start of a range)
DAY_MONTH_YEAR_FORMAT = "j b Y"  # '21 okt 2099'
# A day written out in a sentence to a customer ("U hoort uiterlijk woensdag 25 november van ons").
LONG_DAY_FORMAT = "l j F"  # 'woensdag 25 november'
LONG_DAY_YEAR_FORMAT = "l j F Y"  # 'woensdag 25 november 2099'
