"""Real CSW 2.0.2 server (pycsw 2.6 + waitress) on loopback, for the catalogue connector's tests.

Runs ONLY under `.venv-pycsw/bin/python`: pycsw 2.6 needs sqlalchemy<2, which the project's
own venv cannot hold. Usage:

    server.py [serve] --records DIR --port N --workdir TMP   # (re)load DIR, then serve
    server.py load --records DIR --workdir TMP                # upsert DIR into the same DB

Records are upserted by fileIdentifier, so a test can edit one record (e.g. its dateStamp,
which pycsw maps to apiso:Modified) and re-load it while the server runs; the server opens
the SQLite repository on each request, so the change is visible at once. Files that are
CSW GetRecordsResponse documents are split into one record per gmd:MD_Metadata. Records
missing from DIR are not deleted from the DB.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from lxml import etree

GMD = "http://www.isotc211.org/2005/gmd"
GMI = "http://www.isotc211.org/2005/gmi"
ROOTS = {f"{{{GMD}}}MD_Metadata", f"{{{GMI}}}MI_Metadata"}
TABLE = "records"


def write_config(workdir: Path, port: int) -> Path:
    """Write the pycsw config: SQLite repo in workdir, loopback URL, ISO (apiso) profile on."""
    cfg = workdir / "pycsw.cfg"
    cfg.write_text(
        f"""[server]
home={workdir}
url=http://127.0.0.1:{port}/csw
mimetype=application/xml; charset=UTF-8
encoding=UTF-8
language=fr-FR
maxrecords=100
loglevel=WARNING
logfile={workdir / "pycsw.log"}
pretty_print=false
profiles=apiso

[manager]
transactions=false
allowed_ips=127.0.0.1

[metadata:main]
identification_title=Boussole test CSW
identification_abstract=pycsw loaded with ISO 19139 test records
identification_keywords=test,catalogue
identification_keywords_type=theme
identification_fees=None
identification_accessconstraints=None
provider_name=Boussole tests
provider_url=http://127.0.0.1:{port}/
contact_name=Boussole tests
contact_position=none
contact_address=none
contact_city=none
contact_stateorprovince=none
contact_postalcode=none
contact_country=none
contact_phone=none
contact_fax=none
contact_email=tests@example.invalid
contact_url=http://127.0.0.1:{port}/
contact_hours=none
contact_instructions=none
contact_role=pointOfContact

[metadata:inspire]
enabled=false

[repository]
database={database_url(workdir)}
table={TABLE}
""",
        encoding="utf-8",
    )
    return cfg


def database_url(workdir: Path) -> str:
    """SQLAlchemy URL of the test repository (one SQLite file per workdir)."""
    return f"sqlite:///{(workdir / 'records.db').resolve()}"


def split_records(path: Path) -> list[etree._Element]:
    """ISO records in one file: the root itself, or each MD_Metadata of a GetRecordsResponse."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    top = root.getroot()
    if top.tag in ROOTS:
        return [top]
    found = [el for el in top.iter() if el.tag in ROOTS]
    if not found:  # e.g. ISO 19115-3 (mdb:MD_Metadata), which pycsw 2.6 cannot read
        raise ValueError(f"no ISO 19139 record (root {top.tag})")
    # keep outermost records only (an MD_Metadata never nests another, but be safe)
    return [el for el in found if not any(a.tag in ROOTS for a in el.iterancestors())]


def drop_empty_crs(record: etree._Element) -> None:
    """Remove referenceSystemInfo without a code: pycsw 2.6 crashes on it (int(None))."""
    for info in record.findall(f"{{{GMD}}}referenceSystemInfo"):
        if not "".join(info.xpath(".//gmd:code//text()", namespaces={"gmd": GMD})).strip():
            record.remove(info)


def load(records: Path, workdir: Path) -> tuple[int, int]:
    """Create the repository if needed, upsert every *.xml under `records`; (loaded, failed)."""
    from pycsw.core import admin, config, metadata, repository, util

    if not (workdir / "records.db").exists():
        admin.setup_db(database_url(workdir), TABLE, str(workdir))
    context = config.StaticContext()
    repo = repository.Repository(database_url(workdir), context, table=TABLE)
    loaded = failed = 0
    for path in sorted(records.rglob("*.xml")):
        try:
            elements = split_records(path)
        except (etree.XMLSyntaxError, ValueError) as err:
            print(f"FAILED {path.name}: {err}", file=sys.stderr)
            failed += 1
            continue
        for element in elements:
            try:
                drop_empty_crs(element)
                (record,) = metadata.parse_record(context, element, repo)
                if not record.identifier:
                    raise ValueError("no gmd:fileIdentifier")
                if repo.query_ids([record.identifier]):
                    repo.update(record)
                else:
                    repo.insert(record, "local", util.get_today_and_now())
                loaded += 1
            except Exception as err:
                print(f"FAILED {path.name}: {type(err).__name__}: {err}", file=sys.stderr)
                failed += 1
    print(f"LOADED {loaded} FAILED {failed} from {records}", file=sys.stderr)
    return loaded, failed


def serve(workdir: Path, port: int) -> None:
    """Serve pycsw's own WSGI app with waitress on 127.0.0.1:port until killed."""
    import waitress
    from pycsw.wsgi import application

    os.environ["PYCSW_CONFIG"] = str(write_config(workdir, port))
    server = waitress.create_server(application, host="127.0.0.1", port=port, threads=4)
    print(f"READY http://127.0.0.1:{port}/csw", flush=True)
    sys.stdout = sys.stderr  # pycsw.wsgi prints every PATH_INFO: keep stdout to READY only
    server.run()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; `serve` (default) loads then serves, `load` only loads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["serve", "load"], default="serve")
    parser.add_argument("--records", type=Path, action="append", default=[])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    warnings.simplefilter("ignore", FutureWarning)  # shapely/OWSLib deprecations, noise here
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    for records in args.records:
        load(records, workdir)
    if args.mode == "serve":
        if not args.port:
            parser.error("serve needs --port")
        serve(workdir, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
