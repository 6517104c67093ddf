"""Logging in to the pages the way a browser does: the login form with its CSRF token."""
import re

from tests.conftest import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF_FIELD.search(html).group(1)


def page_login(client, username: str, password: str = PASSWORD, follow: bool = False):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=follow)


def html(response) -> str:
    return response.get_data(as_text=True)
