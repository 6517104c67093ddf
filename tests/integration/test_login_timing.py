"""A refused login takes as long for an unknown username as for a known one: the stand-in hash
checked for a missing user is made with the configured method and cost, not a cheaper one."""
import pytest
from werkzeug import security

from tests.conftest import BASE_CONFIG
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.services.errors import Unauthorized
from workflow_app.services.people import auth


def method_of(password_hash: str) -> str:
    """'scrypt:32768:8:1$salt$hash' -> 'scrypt:32768:8:1': the algorithm and its cost."""
    return password_hash.split("$", 1)[0]


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:600000"])
def test_an_unknown_username_is_checked_against_a_hash_of_the_configured_method(database_url, monkeypatch, method):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": method})
    checked = []
    monkeypatch.setattr(auth, "check_password_hash",
                        lambda stored, password: checked.append(stored) or security.check_password_hash(stored, password))
    with app.app_context():
        with pytest.raises(Unauthorized, match="wrong username or password"):
            auth.authenticate("nobody-by-this-name", "a-guess")
        assert len(checked) == 1
        assert method_of(checked[0]) == method_of(auth.hash_password("any password"))
        db.engine.dispose()
