"""Response procedures (SOPs): what a procedure file holds, as checked models.

One TOML file holds one procedure:

```toml
id = "fire-blocked-access"
version = 2
title_ko = "화재 · 소방차 진입로 확보"
title_en = "Fire with a blocked access road"
service = "fire_dispatch"            # the linked service (catalogue.Service)
incident_types = ["F-FIRE"]          # the types it is the default procedure of

[[share]]                            # who may receive what, and why (the lawful purpose)
to = "fire"
data = ["video_link", "still"]
purpose_ko = "화재 진압 및 인명 구조"
purpose_en = "fire fighting and rescue"

[[timer]]                            # golden-time timers
id = "first-video"
label_ko = "첫 영상"
label_en = "First video"
target_s = 60
stop = ["camera.viewed"]            # an event about the incident, or "step:ID" done

[[step]]
id = "cameras"
title_ko = "인근 CCTV로 현장 확인"
title_en = "Look at the scene on the nearest cameras"
owner = "operator"
look_ko = "연기, 화염, 접근로"
look_en = "Smoke, flames, the access road"
action = { kind = "open_cameras", count = 4 }
mandatory = true
due_s = 60                          # a reminder once this long has passed since the start

[[step]]
id = "casualties"
title_ko = "사상자가 있습니까?"
title_en = "Casualties?"
owner = "fire"
answers = [
  { id = "yes", label_ko = "예", label_en = "Yes", next = "hospital" },
  { id = "no", label_ko = "아니오", label_en = "No", next = "fire-out" },
]
```

A step without ``next`` leads to the step written after it; ``end = true`` ends the procedure.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.catalogue import Service
from core.city.kinds import FacilityKind
from core.tomlfile import ConfigFileError

SOP_DIR = Path(__file__).resolve().parents[2] / "resources" / "sop"
"""The built-in procedures."""

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

# Events about an incident that can stop a timer, by what the operator would call them.
TIMER_EVENTS: dict[str, str] = {
    "incident.acknowledged": "the incident is acknowledged",
    "camera.viewed": "a camera is opened for the incident",
    "evidence.captured": "a still or clip is saved for the incident",
    "incident.dispatched": "agencies are marked dispatched",
    "incident.resolved": "the incident is resolved",
    "incident.closed": "the incident is closed",
    "packet.sent": "a packet leaves for an agency",
    "packet.acknowledged": "an agency acknowledges a packet",
}


class SopFileError(ConfigFileError):
    """A procedure file cannot be used; names the file, line, step, key, problem and fix."""

    KIND = "Procedure file"
    ENTRY = "step"

    def __init__(
        self,
        path: Path | None,
        problem: str,
        fix: str,
        *,
        line: int | None = None,
        key: str = "",
        step_id: str | None = None,
    ) -> None:
        super().__init__(path, problem, fix, line=line, key=key, entry_id=step_id)

    @property
    def step_id(self) -> str | None:
        """The id of the step at fault, if known."""
        return self.entry_id


class Owner(StrEnum):
    """Who carries a step out."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    POLICE = "police"
    FIRE = "fire"
    NDMS = "ndms"
    TELECOM = "telecom"
    DISTRICT_OFFICE = "district_office"
    DEPARTMENT = "department"
    TAX_OFFICE = "tax_office"
    HOSPITAL = "hospital"
    SECURITY_COMPANY = "security_company"
    GUARDIAN = "guardian"


OWNER_NAMES: dict[Owner, tuple[str, str]] = {
    Owner.OPERATOR: ("상황요원", "operator"),
    Owner.SUPERVISOR: ("상황실장", "supervisor"),
    Owner.POLICE: ("경찰", "police"),
    Owner.FIRE: ("소방", "fire"),
    Owner.NDMS: ("국가재난관리정보시스템", "NDMS"),
    Owner.TELECOM: ("통신사", "telecom operator"),
    Owner.DISTRICT_OFFICE: ("구청", "district office"),
    Owner.DEPARTMENT: ("시 부서", "city department"),
    Owner.TAX_OFFICE: ("세무서", "tax office"),
    Owner.HOSPITAL: ("병원", "hospital"),
    Owner.SECURITY_COMPANY: ("보안업체", "security company"),
    Owner.GUARDIAN: ("보호자", "guardian"),
}


class Recipient(StrEnum):
    """Kinds of agency a packet may go to (the agency registry's kinds)."""

    POLICE = "police"
    FIRE = "fire"
    DISASTER = "disaster"
    TELECOM = "telecom"
    DISTRICT_OFFICE = "district_office"
    DEPARTMENT = "department"
    TAX = "tax"


class DataClass(StrEnum):
    """Kinds of material a packet may carry; each is shared only where a purpose needs it."""

    SUMMARY = "summary"  # type, place, time and the operator's text
    VIDEO_LINK = "video_link"  # an expiring link to a live camera
    STILL = "still"
    CLIP = "clip"
    PERSON_LOCATION = "person_location"
    PLATE = "plate"
    PHONE = "phone"
    ROUTE = "route"
    FACILITY = "facility"  # a hazardous facility's sheet, hospital beds
    SENSOR = "sensor"  # readings and levels


# Agencies and data as the room calls them, in Korean and English.
RECIPIENT_NAMES: dict[Recipient, tuple[str, str]] = {
    Recipient.POLICE: ("경찰(112)", "police (112)"),
    Recipient.FIRE: ("소방(119)", "fire service (119)"),
    Recipient.DISASTER: ("재난안전상황실", "disaster situation room"),
    Recipient.TELECOM: ("통신사", "telecom operator"),
    Recipient.DISTRICT_OFFICE: ("구청", "district office"),
    Recipient.DEPARTMENT: ("시 담당부서", "city department"),
    Recipient.TAX: ("세무서", "tax office"),
}

DATA_NAMES: dict[DataClass, tuple[str, str]] = {
    DataClass.SUMMARY: ("상황 개요", "summary"),
    DataClass.VIDEO_LINK: ("실시간 영상 링크", "live video link"),
    DataClass.STILL: ("정지영상", "stills"),
    DataClass.CLIP: ("영상 클립", "video clips"),
    DataClass.PERSON_LOCATION: ("대상자 위치", "the person's location"),
    DataClass.PLATE: ("차량번호", "licence plates"),
    DataClass.PHONE: ("전화번호", "phone numbers"),
    DataClass.ROUTE: ("경로", "route"),
    DataClass.FACILITY: ("시설 정보", "facility details"),
    DataClass.SENSOR: ("센서 측정값", "sensor readings"),
}


class ActionKind(StrEnum):
    """What a step's one-click action does."""

    OPEN_CAMERAS = "open_cameras"
    TAKE_STILL = "take_still"
    NEAREST_FACILITIES = "nearest_facilities"
    DRAFT_PACKET = "draft_packet"
    NOTIFY = "notify"
    START_TIMER = "start_timer"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenCameras(_Model):
    """Open the cameras nearest the incident on the wall."""

    kind: Literal[ActionKind.OPEN_CAMERAS]
    count: int = Field(default=4, ge=1, le=16, description="how many cameras")
    radius_m: float | None = Field(default=None, gt=0, description="only within this radius")


class TakeStill(_Model):
    """Save a still of the highlighted camera for the incident."""

    kind: Literal[ActionKind.TAKE_STILL]


class NearestFacilities(_Model):
    """Find the nearest facilities of a kind (hospitals, schools, hazardous facilities)."""

    kind: Literal[ActionKind.NEAREST_FACILITIES]
    facility: FacilityKind
    count: int = Field(default=3, ge=1, le=20)


class DraftPacket(_Model):
    """Open the packet dialog for an agency, pre-filled from the incident."""

    kind: Literal[ActionKind.DRAFT_PACKET]
    to: Recipient


class Notify(_Model):
    """Tell an agency or a department (recorded with the step)."""

    kind: Literal[ActionKind.NOTIFY]
    to: Recipient


class StartTimer(_Model):
    """Start one of the procedure's timers."""

    kind: Literal[ActionKind.START_TIMER]
    timer: str = Field(pattern=ID_PATTERN)


Action = Annotated[
    OpenCameras | TakeStill | NearestFacilities | DraftPacket | Notify | StartTimer,
    Field(discriminator="kind"),
]


class Answer(_Model):
    """One answer of a question step and where it leads."""

    id: str = Field(pattern=ID_PATTERN)
    label_ko: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    next: str = Field(pattern=ID_PATTERN, description="the step this answer leads to")


class Step(_Model):
    """One step of a procedure."""

    id: str = Field(pattern=ID_PATTERN, description="unique within the procedure")
    title_ko: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    owner: Owner = Owner.OPERATOR
    look_ko: str = Field(default="", description="what to look at, in Korean")
    look_en: str = Field(default="", description="what to look at, in English")
    action: Action | None = None
    mandatory: bool = False
    due_s: float | None = Field(default=None, gt=0, description="reminder after this long")
    next: str | None = Field(default=None, pattern=ID_PATTERN)
    answers: tuple[Answer, ...] = ()
    end: bool = Field(default=False, description="the procedure ends after this step")

    @property
    def is_question(self) -> bool:
        """True when the step branches on its answer."""
        return bool(self.answers)

    def title(self, korean: bool) -> str:
        """The title in the interface language."""
        return self.title_ko if korean else self.title_en

    def look(self, korean: bool) -> str:
        """What to look at, in the interface language."""
        return self.look_ko if korean else self.look_en


class Timer(_Model):
    """A golden-time timer: from the report (or a step, or an action) to an event or step."""

    id: str = Field(pattern=ID_PATTERN)
    label_ko: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    target_s: float = Field(gt=0, description="the golden time")
    warn_share: float = Field(default=0.75, gt=0, lt=1, description="amber from this share")
    start: str = Field(default="report", description='"report", "step:ID" or "action"')
    stop: tuple[str, ...] = Field(min_length=1, description='event types or "step:ID"')

    def label(self, korean: bool) -> str:
        """The label in the interface language."""
        return self.label_ko if korean else self.label_en


class Share(_Model):
    """What one kind of recipient may be sent under this procedure, and for what purpose."""

    to: Recipient
    data: tuple[DataClass, ...] = Field(min_length=1)
    purpose_ko: str = Field(min_length=1)
    purpose_en: str = Field(min_length=1)


class Procedure(_Model):
    """A whole procedure file."""

    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1)
    title_ko: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    service: Service
    incident_types: tuple[str, ...] = ()
    summary_ko: str = ""
    summary_en: str = ""
    share: tuple[Share, ...] = ()
    timer: tuple[Timer, ...] = ()
    step: tuple[Step, ...] = Field(min_length=1)

    def title(self, korean: bool) -> str:
        """The title in the interface language."""
        return self.title_ko if korean else self.title_en

    def step_by_id(self, step_id: str) -> Step | None:
        """The step with this id, if any."""
        return next((s for s in self.step if s.id == step_id), None)

    def following(self, step: Step, answer: str | None = None) -> str | None:
        """The id of the step after ``step`` (with ``answer`` for a question), or None at the
        end of the procedure."""
        if step.end:
            return None
        if step.is_question:
            chosen = next((a for a in step.answers if a.id == answer), None)
            return chosen.next if chosen is not None else None
        if step.next is not None:
            return step.next
        ids = [s.id for s in self.step]
        index = ids.index(step.id)
        return ids[index + 1] if index + 1 < len(ids) else None

    @property
    def mandatory_steps(self) -> tuple[str, ...]:
        """Ids of the steps that may be skipped only with a reason."""
        return tuple(s.id for s in self.step if s.mandatory)
