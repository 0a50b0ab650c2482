"""kpolicy: a policy-event timeline database for North Korea watchers.

The package is a library first: nothing here prints or exits. The `kpolicy`
command (kpolicy.cli) is a thin layer that parses options, calls these
modules and renders what they return.
"""

__version__ = "0.1.0"
