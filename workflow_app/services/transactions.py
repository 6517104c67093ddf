"""One user action = one transaction, and a lost race is a Conflict (409), never a 500."""
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import Conflict, tr

RACE_MESSAGE = tr("the record was changed by another request at the same time; reload it and try again")


@contextmanager
def one_transaction(message: str = RACE_MESSAGE):
    """Commit what the block did; on any error roll all of it back.

    StaleDataError (a version check lost), IntegrityError (a unique key taken meanwhile, e.g. the
    next audit-chain sequence number) and SQLite's "database is locked" become Conflict.
    """
    try:
        yield
        db.session.commit()
    except (StaleDataError, IntegrityError) as err:
        db.session.rollback()
        raise Conflict(message) from err
    except OperationalError as err:
        db.session.rollback()
        if "locked" in str(err).lower():
            raise Conflict(message) from err
        raise
    except BaseException:
        db.session.rollback()
        raise
