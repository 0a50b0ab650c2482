"""The article writer's cached look-ups (kpolicy.store.articles.Lookups): the actors find_match
binds for a set of states come from an index built once, and must be exactly the tree's own
answer (ActorTree.state_of for every actor) or merges would be found or missed wrongly."""

from __future__ import annotations

import json

from kpolicy.store.articles import Lookups
from kpolicy.store.db import Database, make_engine, resolve


def _open(value: str) -> Database:
    target = resolve(value)
    return Database(target, make_engine(target))


def _scanned(lookups: Lookups, states: frozenset) -> list[int]:
    # the definition: every actor of the tree whose state is one of `states`
    return sorted(a for a in lookups.tree.names if lookups.tree.state_of(a) in states)


def test_members_of_a_set_of_states_are_the_actors_under_them_nested_organs_included(db):
    database = _open(db)
    try:
        with database.engine.connect() as conn, conn.begin() as tx:
            lookups = Lookups(conn)
            dialect = conn.dialect.name
            ids = lookups.actor_ids
            north, south = lookups.top(ids["North Korea"]), lookups.top(ids["South Korea"])
            politburo = ids["WPK Politburo"]
            assert lookups.tree.parent[politburo] != north  # an organ of an organ of the state
            for states in (frozenset({north}), frozenset({north, south}),
                           frozenset({lookups.top(a) for a in list(lookups.tree.names)[:40]})):
                bound = lookups.members(states, dialect)
                found = json.loads(bound) if dialect == "sqlite" else bound
                assert found == _scanned(lookups, states)
            assert politburo in _scanned(lookups, frozenset({north}))
            assert lookups.members(frozenset({-1}), "postgresql") == []  # a state with no actors

            # a country the gazetteer lacks, added while storing, is its own state's only member
            new_id = lookups.actor_id(conn, "Atlantis")
            assert lookups.members(frozenset({new_id}), "postgresql") == [new_id]
            both = frozenset({new_id, north})
            assert lookups.members(both, "postgresql") == _scanned(lookups, both)
            tx.rollback()  # the test's new actor is not kept
    finally:
        database.close()


def test_top_is_the_trees_state_of_for_every_actor_even_in_a_cycle_of_parents(db):
    from kpolicy.store.actors import ActorTree

    database = _open(db)
    try:
        with database.reading() as conn:
            lookups = Lookups(conn)
        tree = lookups.tree
        assert all(lookups.top(a) == tree.state_of(a) for a in tree.names)
        # a bad parent chain (1 -> 2 -> 3 -> 2) and actors hanging off it: the same answers
        lookups.tree = ActorTree({i: f"a{i}" for i in range(1, 7)}, {1: 2, 2: 3, 3: 2, 4: 1, 5: 6, 6: None},
                                 {i: "organ" for i in range(1, 7)})
        lookups.tops = {}
        for order in ([4, 1, 2, 3, 5, 6], [3, 2, 1, 4, 6, 5]):
            lookups.tops = {}
            assert [lookups.top(a) for a in order] == [lookups.tree.state_of(a) for a in order]
    finally:
        database.close()
