def navigation(request):
    """What the top bar needs on every page."""
    return {"search_query": request.GET.get("q", "") if request.resolver_match else ""}
