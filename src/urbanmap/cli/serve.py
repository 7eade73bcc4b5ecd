"""``urbanmap serve``: start the Streamlit app (what ``make run`` calls).

Why not plain ``streamlit run app.py``: Streamlit treats a ``pages/`` folder
beside the main script as a legacy multipage app until the first run calls
``st.navigation``; a fresh server whose first request is a deep link such as
``/targets`` would run that page without ``app.py`` (no navigation, no
language switch).  We use ``st.navigation`` only, so we say so up front.
"""

from __future__ import annotations

import sys

from .. import config

ORDER = 5


def register(sub) -> None:
    p = sub.add_parser("serve", help="start the app (Streamlit) on this machine")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")
    p.set_defaults(func=run)


def prepare_streamlit() -> None:
    """Declare that the app uses st.navigation, not the legacy pages/ folder."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def _warm_up() -> None:
    """Prepare layer data in the background so the first page view is fast."""
    import logging
    import threading

    def work():
        try:
            from .. import mapdata

            for lang in ("zh", "en"):
                mapdata.warm(lang)
        except Exception:  # never stop the server for a cache
            logging.getLogger("urbanmap").exception("warm-up failed")

    threading.Thread(target=work, name="urbanmap-warm-up", daemon=True).start()


def run(args) -> int:
    prepare_streamlit()
    _warm_up()
    from streamlit.web import cli as stcli

    sys.argv = [
        "streamlit", "run", str(config.REPO_ROOT / "app.py"),
        "--server.port", str(args.port), "--server.address", args.address, "--server.headless", "true",
    ]
    return stcli.main()
