"""One module per command family; importing them registers their commands on the ``cli`` group."""

from newsmon.commands import (  # noqa: F401
    alerts,
    analyze,
    crawl,
    daemon,
    demo,
    export,
    init,
    inspect,
)
