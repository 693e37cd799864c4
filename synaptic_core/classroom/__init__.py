"""Teacher mode: a class's record, what students may change (enforced on the server), the leaderboard.

* ``classes``: the class in the run store (migration 4): link token, spec, per-parameter modes
  (free / locked / hidden), limits, optional salted password hash; joining under a display name;
  the class's runs and their private scores.
* ``rules``: ``enforce(klass, spec, runs_used)`` -> the spec a student may train (locked and hidden
  values put back, limits applied, with messages); the class link's URL in and out.
* ``leaderboard``: the hidden split (toy sets) and the public/private ranking.
* ``attempts``: how often a class password may be tried (per client and per class, checked before hashing).
* ``scoring``: scores runs on the hidden split in a child process (TensorFlow stays out of the server).

No Streamlit here; the pages are ``app_pages/classroom.py`` and the class mode of the page controller.
"""

from .attempts import ATTEMPTS, Attempts, TooManyAttempts
from .classes import (FREE, HIDDEN, LOCKED, MODES, Class, ClassError, ClassLimits, add_run, class_owners,
                      class_runs, classes_of, create_class, get_class, is_class_token, is_teacher, join, member_name,
                      members, runs_used, set_private_score, unscored_runs)
from .leaderboard import Entry, has_hidden_split, hidden_split, leaderboard, needs_score, public_score
from .rules import CLASS_KEY, Enforced, enforce, spec_from_query, url_query

__all__ = ["ATTEMPTS", "Attempts", "TooManyAttempts", "FREE", "LOCKED", "HIDDEN", "MODES", "Class", "ClassError",
           "ClassLimits", "create_class", "get_class", "classes_of", "is_class_token", "is_teacher", "join",
           "member_name", "members", "add_run", "runs_used", "class_runs", "class_owners", "set_private_score",
           "unscored_runs", "Entry", "has_hidden_split", "hidden_split", "leaderboard", "needs_score", "public_score",
           "CLASS_KEY", "Enforced", "enforce", "spec_from_query", "url_query"]
