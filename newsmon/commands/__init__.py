"""One module per command family; ``newsmon.cli`` adds every command listed here to its group."""

from newsmon.commands import alerts, analyze, crawl, daemon, demo, export, feedback, init, inspect, web

COMMANDS = [
    init.init,
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
    web.serve,
]
