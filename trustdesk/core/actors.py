"""Who did something: a console user, an API token, or the system itself (workers, simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from trustdesk.accounts.models import ApiToken, User


@dataclass(frozen=True, slots=True)
class Actor:
    kind: Literal["user", "token", "system"]
    label: str
    user_id: int | None = None
    token_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls("user", user.get_username(), user_id=user.pk)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        return cls("token", f"token:{token.name}", token_id=token.pk)

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls("system", component)


SIMULATOR = Actor.system("simulator")
