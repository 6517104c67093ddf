"""Flask extensions, created once and bound in the application factory."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Constraint names are fixed so that migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# expire_on_commit=False: a response is built from what the transaction wrote, without reading
# every row back after COMMIT. A request runs one transaction, so nothing goes stale within it.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True)  # batch mode: SQLite cannot ALTER most things
login_manager = LoginManager()
# The client address as the WSGI server saw it, or as TRUSTED_PROXIES reported it (ProxyFix).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
csrf = CSRFProtect()
