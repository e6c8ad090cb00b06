"""The shadow plugin's model, on a metadata of its own (never the portal's)."""

from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ShadowBase(DeclarativeBase):
    pass


class Thing(ShadowBase):
    __tablename__ = "shadow_thing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
