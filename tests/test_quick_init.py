"""core/model.py quick_init: the frozen slots dataclasses' faster __init__ behaves as the generated one."""

import dataclasses
import inspect
from typing import Any, Mapping

import pytest

from copydesk.model import Finding, Related, Severity, Span, quick_init


@dataclasses.dataclass(frozen=True, slots=True)
class _Generated:
    name: str
    count: int = 2
    tags: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("negative count")


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Quick:
    name: str
    count: int = 2
    tags: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("negative count")


@pytest.mark.parametrize("args, kwargs", [(("a",), {}), (("a", 5), {}), (("a",), {"tags": {"k": 1}}),
                                          ((), {"name": "b", "count": 0})])
def test_same_fields_as_the_generated_init(args, kwargs):
    assert dataclasses.astuple(_Quick(*args, **kwargs)) == dataclasses.astuple(_Generated(*args, **kwargs))


def test_defaults_factories_post_init_and_frozenness_are_kept():
    first, second = _Quick("a"), _Quick("a")
    assert first == second and hash(_Quick("a", tags=())) == hash(_Quick("a", tags=()))
    assert first.tags == {} and first.tags is not second.tags  # a new dict each, as default_factory makes
    with pytest.raises(ValueError, match="negative"):
        _Quick("a", -1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.count = 3
    with pytest.raises(TypeError):
        _Quick()  # the name is required
    with pytest.raises(TypeError):
        _Quick("a", nope=1)
    assert str(inspect.signature(_Quick)) == str(inspect.signature(_Generated))


def test_the_model_classes_use_it():
    assert Span(2, 5) == Span(start=2, end=5) and len(Span(2, 5)) == 3
    with pytest.raises(ValueError):
        Span(5, 2)
    finding = Finding("X001", "x", "test", Severity.INFO, "m", "a.txt", Span(0, 1),
                      related=(Related("b.txt", Span(1, 2), 0.5),))
    assert finding.data == {} and finding.suggestion is None and finding.anchor is None
    assert finding.related[0].similarity == 0.5


def test_classes_it_cannot_speed_up_are_refused():
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        name: str

    with pytest.raises(TypeError, match="slots"):
        quick_init(NoSlots)
