"""``python manage.py``: operator commands for the database.

    python manage.py upgrade                     # run the schema migrations
    python manage.py add-counselor USERNAME [--display-name NAME] [--admin] [--password-stdin]
    python manage.py remove-counselor USERNAME [--hand-over-to OTHER | --delete-couples]
    python manage.py generate-key                # a new encryption key
    python manage.py rotate-key                  # re-seal answers and notes with the first key
    python manage.py purge [--days 90]           # delete unfinished responses untouched for N days,
                                                  # then empty SQLite's write-ahead log (see Store.compact)
    python manage.py backup PATH [--keep N]      # pg_dump / SQLite's backup API to a file, or a dated
                                                  # file in the directory PATH (keeping the N newest)
    python manage.py restore PATH                # a backup into an empty database (storage/backup.py)

The database and the encryption keys are the app's, resolved by ``settings.py`` the
same way from the same inputs: the environment (``DATABASE_URL`` or
``SPARK_CHECK_SQLITE_PATH``; ``SPARK_CHECK_ENCRYPTION_KEYS``, comma-separated, newest
first) wins over the secrets file (``--secrets PATH``, by default
``.streamlit/secrets.toml`` when there is one: ``[connections.spark_check] url``,
``SPARK_CHECK_ENCRYPTION_KEYS`` or ``encryption_keys``). ``--database-url`` overrides both.

Exit status: 0 done; 2 bad input (one line on stderr says what); 1 the database
could not do it (one line too).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

from sqlalchemy.engine import make_url

from settings import Settings, SettingsError, for_cli
from storage.crypto import KEYS_SETTING, KeyConfigError, Sealer, generate_key
from storage.errors import StorageError
from storage.repository import Store
from storage.retention import RETENTION_DAYS


class UsageError(Exception):
    """Bad input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `python manage.py --help`)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python manage.py", description="Spark Check database commands.")
    parser.add_argument("--database-url", help="database URL (default: DATABASE_URL or SPARK_CHECK_SQLITE_PATH)")
    parser.add_argument(
        "--secrets",
        type=Path,
        help="the app's secrets file (default .streamlit/secrets.toml if there is one; the environment wins)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    commands.add_parser("upgrade", help="bring the schema up to date (Alembic migrations)")

    add = commands.add_parser("add-counselor", help="create a counselor account")
    add.add_argument("username")
    add.add_argument("--display-name", help="the name shown in the app (default: the username)")
    add.add_argument(
        "--admin",
        action="store_true",
        help="may add, disable and re-enable counselors in the app (the first counselor always is)",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin (no prompt)"
    )

    remove = commands.add_parser("remove-counselor", help="remove a counselor account")
    remove.add_argument("username")
    fate = remove.add_mutually_exclusive_group()
    fate.add_argument(
        "--hand-over-to", metavar="OTHER", help="give their couples (assessments, notes, homework) to this counselor"
    )
    fate.add_argument(
        "--delete-couples",
        action="store_true",
        help="delete their couples with every assessment, answer, note and homework step, for good",
    )

    commands.add_parser("generate-key", help=f"print a new Fernet key for {KEYS_SETTING}")
    commands.add_parser("rotate-key", help="seal every answer and note with the first key (idempotent)")

    purge = commands.add_parser("purge", help="delete unfinished responses nobody touched for N days")
    purge.add_argument("--days", type=_positive_int, default=RETENTION_DAYS, help=f"default {RETENTION_DAYS}")

    back_up = commands.add_parser("backup", help="back up the database with its own tools (pg_dump, SQLite's API)")
    back_up.add_argument("path", type=Path, help="a file, or a directory to write a dated backup in")
    back_up.add_argument("--keep", type=_positive_int, help="with a directory: keep only the N newest backups in it")
    restore = commands.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("path", type=Path, help="a file written by `backup`")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _settings(secrets: Path | None) -> Settings:
    """The app's settings (``settings.resolve``): the environment, then the secrets file."""
    try:
        return for_cli(secrets)
    except (SettingsError, KeyConfigError) as exc:
        raise UsageError(str(exc)) from None


def _sealer(settings: Settings) -> Sealer:
    try:
        return settings.sealer()
    except KeyConfigError as exc:
        raise UsageError(str(exc)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise UsageError("no password on stdin")
        return password
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        raise UsageError("the two passwords don't match")
    return first


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _run(args: argparse.Namespace) -> str:
    if args.command == "generate-key":
        return generate_key()
    settings = _settings(args.secrets)
    url = args.database_url or settings.database_url
    if args.command == "upgrade":
        store = Store.from_url(url, create=False)
        try:
            revision = store.create_schema()
        finally:
            store.engine.dispose()
        return f"{_shown(url)}: the schema is at revision {revision} (the newest)."
    if args.command == "add-counselor":
        # Checked before the password prompt, so nobody types a password for nothing.
        from storage.accounts import AccountError, check_username
        from storage.counselors import CounselorDesk

        try:
            username = check_username(args.username)
            password = _read_password(args.password_stdin)
            store = Store.from_url(url, sealer=_sealer(settings))
            try:
                desk = CounselorDesk(store)
                desk.add_counselor(username, password, args.display_name, is_admin=args.admin)
                account = desk.counselor_by_username(username)
            finally:
                store.engine.dispose()
        except AccountError as exc:
            raise UsageError(str(exc)) from None
        role = " as an admin" if account is not None and account.is_admin else ""
        return f"Added counselor {username!r}{role} to {_shown(url)}."
    if args.command == "remove-counselor":
        return _remove_counselor(url, args.username, args.hand_over_to, args.delete_couples)
    if args.command == "rotate-key":
        from storage.maintenance import reseal_all

        sealer = _sealer(settings)
        if not sealer.encrypts:
            raise UsageError(f"no encryption key is configured: set {KEYS_SETTING} (see docs/SECURITY.md)")
        store = Store.from_url(url, sealer=sealer)
        try:
            resealed = reseal_all(store)
        finally:
            store.engine.dispose()
        return f"{_shown(url)}: sealed {resealed.answers} answer(s) and {resealed.notes} note(s) with the first key."
    if args.command == "purge":
        store = Store.from_url(url)
        try:
            report = store.purge_unfinished(older_than=timedelta(days=args.days))
            compacted = store.compact()
        finally:
            store.engine.dispose()
        return (
            f"{_shown(url)}: deleted {report.people} unfinished response(s) untouched for {args.days} day(s) "
            f"with {report.answers} answer(s), {report.couples} empty couple space(s); "
            f"cleared {report.join_codes} expired join code(s)."
            + (
                ""
                if compacted
                else " The write-ahead log is in use by the app; it will be overwritten as it is reused."
            )
        )
    if args.command == "backup":
        from storage.backup import backup

        if args.keep is not None and not args.path.is_dir():
            raise UsageError(f"--keep needs a directory to keep backups in; {args.path} is not one")
        return f"{_shown(url)}: backed up to {backup(url, args.path, args.keep)}."
    if args.command == "restore":
        from storage.backup import restore

        restore(url, args.path)
        return f"Restored {args.path} into {_shown(url)}."
    raise UsageError(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses it first


def _remove_counselor(url: str, username: str, hand_over_to: str | None, delete_couples: bool) -> str:
    from storage.accounts import AccountError, CouplesLeftError
    from storage.counselors import CounselorDesk

    store = Store.from_url(url)  # answers and notes are moved or deleted, never read: no key needed
    try:
        try:
            report = CounselorDesk(store).remove_counselor(username, hand_over_to, delete_couples)
        except AccountError as exc:
            hint = " (--hand-over-to OTHER or --delete-couples)" if isinstance(exc, CouplesLeftError) else ""
            raise UsageError(f"{exc}{hint}") from None
        compacted = store.compact() if report.deleted else True
    finally:
        store.engine.dispose()
    name = username.strip().lower()
    if report.handed_over_to is not None:
        fate = f"handed {report.couples} couple(s) over to {report.handed_over_to!r}"
    elif report.deleted:
        fate = f"deleted {report.couples} couple(s) with all their data"
    else:
        fate = "they had no couples"
    return f"Removed counselor {name!r} from {_shown(url)}; {fate}." + (
        "" if compacted else " The write-ahead log is in use by the app; it will be overwritten as it is reused."
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        print(_run(args))
    except UsageError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (StorageError, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
