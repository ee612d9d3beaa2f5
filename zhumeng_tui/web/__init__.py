"""The app in a web browser: ``zhumeng-tui serve-web`` (:mod:`.serve`), its
web server (:mod:`.server`) and one tab's app process (:mod:`.session`)."""
