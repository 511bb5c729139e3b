"""Path converters: an id in a URL is a positive 64-bit integer, or the URL matches nothing (404).

Django's `int` converter takes any run of digits; an id past 2**63 - 1 then
reaches the database, where SQLite refuses it with an OverflowError (a 500).
"""

from django.urls import register_converter

ID_MAX = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= ID_MAX:
            raise ValueError("not a database id")  # Django treats this as "no match": 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    register_converter(IdConverter, "id")
