"""Domain signals: other parts of the system subscribe without the sender knowing them."""
from blinker import Namespace

_signals = Namespace()

# Sent after an import batch is committed, with `touched`: the (subject_key, period) pairs it wrote.
import_committed = _signals.signal("import-committed")
# Sent after an import batch is reverted, with the same `touched` argument.
import_reverted = _signals.signal("import-reverted")
# Sent by `scorecard demo` after the demo agency is seeded, with `session`. A receiver may return
# lines of text for the command to print.
demo_seeded = _signals.signal("demo-seeded")
# Sent after a commitment is created or changed on a page or through the API (the sender), committed.
commitment_changed = _signals.signal("commitment-changed")
