"""The de-duplication engine: pure Python, no ORM.

Pipeline: ``prepare(Record)`` normalises once → ``blocking_keys(Prepared)`` names the index
entries → an ``Index`` returns candidates sharing a key → ``compare(a, b)`` gives a scored,
explained ``Match`` (or ``None``). ``match_files`` runs it over two CSV files.
"""

from .clusters import Clusters
from .compare import MATCH_AT, POSSIBLE_AT, WEIGHTS, Match, compare, explain
from .files import ListCheck, check_lists, match_files, read_records
from .index import MAX_POSTINGS, Index, MemoryIndex, find_matches
from .keys import blocking_keys
from .outcome import DUPLICATE_LEAD, EXISTING_CUSTOMER, NEW, Outcome, decide, match_against
from .reasons import Reason
from .records import COMPANY, PERSON, Prepared, Record, prepare

__all__ = [
    "COMPANY",
    "DUPLICATE_LEAD",
    "EXISTING_CUSTOMER",
    "MATCH_AT",
    "MAX_POSTINGS",
    "NEW",
    "PERSON",
    "POSSIBLE_AT",
    "WEIGHTS",
    "Clusters",
    "Index",
    "ListCheck",
    "Match",
    "MemoryIndex",
    "Outcome",
    "Prepared",
    "Reason",
    "Record",
    "blocking_keys",
    "check_lists",
    "compare",
    "decide",
    "explain",
    "find_matches",
    "match_against",
    "match_files",
    "prepare",
    "read_records",
]
