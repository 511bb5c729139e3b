"""Query pieces every app may use (this module imports no app)."""

from django.db.models import F, Func, IntegerField, QuerySet, Subquery


def count_of(queryset: QuerySet) -> Subquery:
    """`(SELECT COUNT(id) FROM … WHERE …)` as a column: a count per row of an outer query (with OuterRef), or
    several independent counts in one SELECT, each planned on its own indexes."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())
