# English for a Dutch desk: the words in English, the dates the way the desk
# writes them (day first, 24-hour clock), so both languages read the same date.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# The short forms ContactCare shows on screen and in e-mails (the |day and
# |when filters); the year only when it is not the current one.
DAY_FORMAT = "D j M"  # 'Wed 21 Oct'
DAY_YEAR_FORMAT = "D j M Y"  # 'Wed 21 Oct 2099'
WHEN_FORMAT = "D j M H:i"  # 'Wed 21 Oct 10:00'
WHEN_YEAR_FORMAT = "D j M Y H:i"  # 'Wed 21 Oct 2099 10:00'
DAY_MONTH_FORMAT = "j M"  # '21 Oct' (the start of a range)
DAY_MONTH_YEAR_FORMAT = "j M Y"  # '21 Oct 2099'
# A day written out in a sentence to a customer ("You will hear from us by Wednesday 25 November").
LONG_DAY_FORMAT = "l j F"  # 'Wednesday 25 November'
LONG_DAY_YEAR_FORMAT = "l j F Y"  # 'Wednesday 25 November 2099'
