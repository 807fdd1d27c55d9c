"""{% t "待办" "Inbox" %}: Chinese first, English when the user switches language.

Interface strings live beside each other in the template, so a page is never
half-translated and no gettext toolchain is needed to build the project.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def t(zh: str, en: str) -> str:
    return en if (get_language() or "zh-hans").startswith("en") else zh
