"""The engine's strategies in memory: order, fairness, skipping, matching and ranking."""

import collections
import datetime as dt

from kehu.assignment.engine import (
    GROUP_QUOTA,
    ON_LEAVE,
    QUOTA,
    Capacity,
    CompiledRule,
    Context,
    Cursor,
    CursorStore,
    Engine,
    LeadFacts,
    Person,
    leaderboard_weights,
)

TODAY = dt.date(2026, 11, 1)


def lead(pk=1, **fields):
    values = {
        "channel_id": 1,
        "province_id": 10,
        "city_id": 11,
        "district_id": None,
        "grade": "B",
        "industry_id": None,
        "company_size": "",
        "demand_type_id": None,
        "urgency": "",
    }
    values.update(fields)
    return LeadFacts(id=pk, **values)


def make_rule(strategy="round_robin", candidates=(1, 2, 3), tests=(), settings=None, pk=1, target="people"):
    return CompiledRule(
        id=pk,
        name=f"rule {pk}",
        order=pk,
        target=target,
        pool_id=None,
        strategy=strategy,
        settings=settings or {},
        tests=list(tests),
        candidates=sorted(candidates),
    )


def engine(rules, people=None, limits=None, groups=None, open_counts=None, ranking=None, cursors=None):
    ids = {pk for r in rules for pk in r.candidates}
    people = people or {pk: Person(id=pk, name=f"P{pk}") for pk in ids}
    limits = limits or {}
    groups = groups or {}

    def loader(pk):
        return limits.get(pk), groups.get(pk, [])

    ctx = Context(
        people=people,
        capacity=Capacity(loader),
        cursors=cursors if cursors is not None else CursorStore(),
        open_counts=lambda ids: {pk: (open_counts or {}).get(pk, 0) for pk in ids},
        ranking=ranking or (lambda rule, ids: [(pk, 0.0) for pk in ids]),
        today=TODAY,
    )
    return Engine(rules, ctx, default_pool_id=99)


def route_all(eng, leads):
    return [eng.route(x) for x in leads]


def test_round_robin_is_fair_over_many_leads():
    eng = engine([make_rule(candidates=range(1, 8))])
    decisions = route_all(eng, [lead(i) for i in range(700)])
    assert collections.Counter(d.user_id for d in decisions) == dict.fromkeys(range(1, 8), 100)


def test_round_robin_continues_from_a_stored_cursor():
    store = CursorStore()
    eng = engine([make_rule()], cursors=store)
    route_all(eng, [lead(1), lead(2)])
    # A new engine (new process) given only the stored values goes on with person 3.
    stored = {k: Cursor(v.last_user_id, v.served, dict(v.state)) for k, v in store.cursors.items()}
    again = engine([make_rule()], cursors=CursorStore(stored))
    assert again.route(lead(3)).user_id == 3


def test_skips_leave_and_quota_and_explains():
    people = {1: Person(1, "A"), 2: Person(2, "B", on_leave=True), 3: Person(3, "C")}
    eng = engine([make_rule()], people=people, limits={3: 1})
    first, second, third, fourth = route_all(eng, [lead(1), lead(2), lead(3), lead(4)])
    assert [d.user_id for d in (first, second, third, fourth)] == [1, 3, 1, 1]
    assert second.reason["skipped"] == [[2, ON_LEAVE]]
    assert fourth.reason["skipped"] == [[2, ON_LEAVE], [3, QUOTA]]


def test_group_quota_is_shared_by_its_members():
    groups = {1: [("team:1", 2)], 2: [("team:1", 2)], 3: []}
    eng = engine([make_rule()], groups=groups)
    got = [d.user_id for d in route_all(eng, [lead(i) for i in range(6)])]
    assert got == [1, 2, 3, 3, 3, 3]
    assert [1, GROUP_QUOTA] in eng.route(lead(7)).reason["skipped"]


def test_nobody_available_falls_back_to_the_pool():
    people = {1: Person(1, "A", on_leave=True)}
    decision = engine([make_rule(candidates=[1])], people=people).route(lead())
    assert decision.user_id is None and decision.pool_id == 99
    assert decision.reason["why"] == "nobody_available"


def test_first_match_wins_and_no_match_goes_to_default_pool():
    only_a = make_rule(pk=1, candidates=[1], tests=[("grade", frozenset({"A"}))])
    everything = make_rule(pk=2, candidates=[2])
    eng = engine([only_a, everything])
    assert eng.route(lead(grade="A")).user_id == 1
    assert eng.route(lead(grade="C")).user_id == 2
    nothing = engine([only_a]).route(lead(grade="C"))
    assert nothing.rule is None and nothing.pool_id == 99 and nothing.reason["why"] == "no_rule"


def test_region_condition_matches_province_city_or_district():
    rule = make_rule(tests=[("regions", frozenset({11}))])
    assert rule.matches(lead(province_id=10, city_id=11))
    assert not rule.matches(lead(province_id=10, city_id=12))
    assert make_rule(tests=[("regions", frozenset({10}))]).matches(lead(province_id=10, city_id=None))


def test_load_balanced_fills_the_least_loaded_first_then_takes_turns():
    eng = engine([make_rule("load_balanced")], open_counts={1: 5, 2: 2, 3: 0})
    got = [d.user_id for d in route_all(eng, [lead(i) for i in range(8)])]
    # 3 catches up with 2, then they alternate until both hold as many as 1.
    assert got[:2] == [3, 3] and collections.Counter(got) == {3: 5, 2: 3}
    assert eng.ctx.open == {1: 5, 2: 5, 3: 5}
    assert eng.route(lead(9)).reason["open_leads"] == 5


def test_load_balanced_skips_people_at_quota():
    eng = engine([make_rule("load_balanced")], open_counts={1: 0, 2: 3, 3: 3}, limits={1: 1})
    got = [d.user_id for d in route_all(eng, [lead(i) for i in range(3)])]
    assert got[0] == 1 and 1 not in got[1:]


def _matching_people():
    return {
        1: Person(1, "East industry 5", regions=frozenset({10}), industries=frozenset({5}), level="senior"),
        2: Person(2, "East any", regions=frozenset({10}), level="junior"),
        3: Person(3, "South", regions=frozenset({20}), level="expert"),
        4: Person(
            4, "East industry 5 too", regions=frozenset({10}), industries=frozenset({5}), level="expert"
        ),
    }


def test_direct_matching_gives_leads_to_the_fitting_group_in_turn():
    rule = make_rule("direct_match", candidates=[1, 2, 3, 4], settings={"dimensions": ["region", "industry"]})
    eng = engine([rule], people=_matching_people())
    east_5 = [eng.route(lead(i, province_id=10, city_id=11, industry_id=5)).user_id for i in range(4)]
    # Person 2 has no industries recorded: a generalist, in the group too.
    assert east_5 == [1, 2, 4, 1]
    south = eng.route(lead(9, province_id=20, city_id=21, industry_id=5))
    assert south.user_id == 3 and south.reason["dimensions"] == ["region", "industry"]


def test_direct_matching_by_grade_level_and_tenure():
    people = _matching_people()
    people[1].hire_date = TODAY - dt.timedelta(days=365 * 5)
    people[4].hire_date = TODAY - dt.timedelta(days=100)
    rule = make_rule(
        "direct_match",
        candidates=[1, 2, 3, 4],
        settings={
            "dimensions": ["region", "level", "tenure"],
            "grade_levels": {"A": ["senior", "expert"]},
            "grade_min_tenure": {"A": 2},
        },
    )
    eng = engine([rule], people=people)
    assert {eng.route(lead(i, grade="A")).user_id for i in range(3)} == {1}
    assert {eng.route(lead(i, grade="B")).user_id for i in range(6)} == {1, 2, 4}


def test_direct_matching_relaxes_the_least_important_dimension():
    people = _matching_people()
    people[1].on_leave = True
    people[4].on_leave = True
    rule = make_rule("direct_match", candidates=[1, 2, 3, 4], settings={"dimensions": ["region", "industry"]})
    eng = engine([rule], people=people)
    lead_ = lead(1, province_id=30, city_id=31, industry_id=5)  # nobody covers region 30
    decision = eng.route(lead_)
    assert decision.user_id == 2
    assert decision.reason["relaxed"] == ["region", "industry"] and decision.reason["skipped"] == [
        [1, ON_LEAVE]
    ]
    strict = make_rule(
        "direct_match", candidates=[1, 2, 3, 4], settings={"dimensions": ["region"], "relax": False}
    )
    assert engine([strict], people=people).route(lead_).user_id is None


def test_leaderboard_gives_top_ranks_extra_turns():
    ranking = [(3, 10.0), (1, 5.0), (2, 1.0), (4, 0.0)]
    rule = make_rule(
        "leaderboard",
        candidates=[1, 2, 3, 4],
        settings={"tiers": [{"top": 1, "weight": 3}, {"top": 2, "weight": 2}], "others_weight": 1},
    )
    eng = engine([rule], ranking=lambda r, ids: ranking)
    got = collections.Counter(d.user_id for d in route_all(eng, [lead(i) for i in range(70)]))
    assert got == {3: 30, 1: 20, 2: 10, 4: 10}
    decision = eng.route(lead(99))
    assert decision.reason["ranked"] == 4 and decision.reason["rank"] in (1, 2, 3, 4)


def test_leaderboard_turns_are_spread_not_bunched():
    weights = leaderboard_weights(
        make_rule("leaderboard", settings={"tiers": [{"top": 1, "weight": 3}]}),
        [(1, 3.0), (2, 2.0), (3, 1.0)],
    )
    assert weights == [(1, 1, 3), (2, 2, 1), (3, 3, 1)]
    rule = make_rule("leaderboard", settings={"tiers": [{"top": 1, "weight": 3}]})
    eng = engine([rule], ranking=lambda r, ids: [(1, 3.0), (2, 2.0), (3, 1.0)])
    got = [d.user_id for d in route_all(eng, [lead(i) for i in range(5)])]
    assert got.count(1) == 3 and got[0] == 1 and got[:2] != [1, 1]


def test_leaderboard_skips_people_at_quota():
    rule = make_rule("leaderboard", settings={"tiers": [{"top": 1, "weight": 5}]})
    eng = engine([rule], ranking=lambda r, ids: [(1, 9.0), (2, 1.0), (3, 0.0)], limits={1: 2})
    got = [d.user_id for d in route_all(eng, [lead(i) for i in range(10)])]
    assert got.count(1) == 2 and set(got) == {1, 2, 3}
