"""The core budget fits read: the whole process by default, a sweep trial's share inside `cores.limited`."""

from __future__ import annotations

from scipy import sparse

from train import cores
from train.nbsvm import PARALLEL_MIN_NONZEROS, NBSVMClassifier


def test_the_budget_is_the_process_cores_unless_a_share_is_set():
    everything = cores.available()
    assert everything >= 1
    with cores.limited(1):
        assert cores.available() == 1
        with cores.limited(3):
            assert cores.available() == 3
        assert cores.available() == 1
    assert cores.available() == everything


def test_nb_svm_parallelizes_only_large_problems_and_only_within_the_budget():
    small = sparse.random(50, 40, density=0.2, random_state=0, format="csr")
    large = sparse.random(2000, PARALLEL_MIN_NONZEROS // 200, density=0.1, random_state=0, format="csr")
    assert large.nnz >= PARALLEL_MIN_NONZEROS
    model = NBSVMClassifier()
    with cores.limited(2):
        assert model._jobs(small) == 1
        assert model._jobs(large) == 2
    with cores.limited(1):
        assert model._jobs(large) == 1
    assert NBSVMClassifier(n_jobs=3)._jobs(small) == 3  # an explicit setting wins
