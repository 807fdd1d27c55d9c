from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.rulebase.selectors import rulebook


def home(request: HttpRequest) -> HttpResponse:
    book = rulebook()
    return render(request, "web/home.html", {"book": book, "rule_count": len(book)})
