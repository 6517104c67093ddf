"""The reproducible random draw of 双随机 (oversight/random_draw.py): the result follows from the
seed and the set of inputs alone, and a known seed gives a known answer (so the algorithm cannot
change unnoticed: a changed algorithm would make every recorded draw fail its verification)."""
import hashlib

from workflow_app.oversight import random_draw

POPULATION = [f"9199010{n:02d}" for n in range(30)]
OFFICERS = ["officer1", "officer2", "officer3", "officer4"]


def test_the_same_seed_and_inputs_give_the_same_draw_in_any_order():
    first = random_draw.draw("abc", POPULATION, OFFICERS, 5, 2)
    again = random_draw.draw("abc", list(reversed(POPULATION)), list(reversed(OFFICERS)), 5, 2)
    assert first == again and len(first) == 5
    assert all(len(row["inspectors"]) == 2 and len(set(row["inspectors"])) == 2 for row in first)


def test_another_seed_gives_another_draw_and_every_target_is_from_the_population():
    one, other = random_draw.targets("seed-1", POPULATION, 5), random_draw.targets("seed-2", POPULATION, 5)
    assert one != other and set(one) <= set(POPULATION) and len(set(one)) == 5


def test_a_target_is_the_lowest_sha256_rank_of_seed_target_code():
    ranked = sorted(POPULATION, key=lambda c: hashlib.sha256(f"s:target:{c}".encode()).hexdigest())
    assert random_draw.targets("s", POPULATION, 3) == ranked[:3]
    inspectors = sorted(OFFICERS, key=lambda u: hashlib.sha256(f"s:inspector:{ranked[0]}:{u}".encode()).hexdigest())
    assert random_draw.inspectors("s", ranked[0], OFFICERS, 2) == inspectors[:2]


def test_more_targets_than_the_population_gives_the_whole_population():
    assert sorted(random_draw.targets("s", POPULATION[:3], 10)) == sorted(POPULATION[:3])


def test_a_known_seed_gives_its_known_answer():
    assert random_draw.draw("0f" * 16, POPULATION, OFFICERS, 2, 2) == KNOWN


KNOWN = [{"credit_code": "919901001", "inspectors": ["officer3", "officer4"]},
         {"credit_code": "919901028", "inspectors": ["officer3", "officer4"]}]
