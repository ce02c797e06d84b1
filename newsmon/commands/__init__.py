"""One module per command family; ``newsmon.cli`` adds every command listed here to its group."""

from newsmon.commands import (
    alerts, analyze, check, crawl, daemon, demo, export, feedback, init, inspect, web,
)  # fmt: skip

COMMANDS = [
    init.init,
    check.check,
    crawl.crawl,
    crawl.sources,
    crawl.search,
    analyze.analyze,
    analyze.matches,
    alerts.alerts,
    alerts.digest,
    daemon.run,
    daemon.status,
    export.export,
    export.ui,
    inspect.inspect,
    demo.demo,
    feedback.feedback,
    feedback.mute,
    feedback.unmute,
    web.serve,
]
