"""Conversation references (Teams): remembered from every activity, found again for
proactive summaries and reminders."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from storage.models import ConversationRef, utcnow


def remember(
    session: Session,
    *,
    platform: str,
    conversation_id: str,
    kind: str,
    service_url: str,
    reference: str,
    tenant_id: str | None = None,
    user_id: str | None = None,
    aad_object_id: str | None = None,
    email: str | None = None,
) -> None:
    row = session.exec(
        select(ConversationRef).where(
            ConversationRef.platform == platform, ConversationRef.conversation_id == conversation_id
        )
    ).first() or ConversationRef(
        platform=platform, conversation_id=conversation_id, kind=kind, service_url=service_url,
        reference=reference,
    )  # fmt: skip
    row.kind, row.service_url, row.reference = kind, service_url, reference
    row.tenant_id = tenant_id or row.tenant_id
    row.user_id = user_id or row.user_id
    row.aad_object_id = aad_object_id or row.aad_object_id
    row.email = email.lower() if email else row.email
    row.updated_at = utcnow()
    session.add(row)
    session.flush()  # a second turn saving the same conversation at once fails here


def forget(session: Session, *, platform: str, conversation_id: str) -> None:
    row = session.exec(
        select(ConversationRef).where(
            ConversationRef.platform == platform, ConversationRef.conversation_id == conversation_id
        )
    ).first()
    if row:
        session.delete(row)


def find(session: Session, *, platform: str, conversation_id: str) -> ConversationRef | None:
    return session.exec(
        select(ConversationRef).where(
            ConversationRef.platform == platform, ConversationRef.conversation_id == conversation_id
        )
    ).first()


def personal(session: Session, *, platform: str, person_ref: str) -> ConversationRef | None:
    """The personal chat with someone named by user id, Entra object id or e-mail."""
    ref = person_ref.strip()
    return session.exec(
        select(ConversationRef)
        .where(
            ConversationRef.platform == platform,
            ConversationRef.kind == "personal",
            or_(
                ConversationRef.user_id == ref,
                ConversationRef.aad_object_id == ref,
                ConversationRef.email == ref.lower(),
            ),
        )
        .order_by(col(ConversationRef.updated_at).desc())
    ).first()


def email_of(session: Session, *, user_ref: str) -> str | None:
    """The e-mail remembered with a personal chat for a platform user id or Entra object id."""
    return session.exec(
        select(ConversationRef.email)
        .where(
            or_(ConversationRef.user_id == user_ref, ConversationRef.aad_object_id == user_ref),
            col(ConversationRef.email).is_not(None),
        )
        .order_by(col(ConversationRef.updated_at).desc())
    ).first()
