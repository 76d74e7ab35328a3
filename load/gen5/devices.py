"""Handsets: IMEIs built from realistic-looking TAC prefixes plus a serial and the Luhn check digit."""

from __future__ import annotations

import random

TACS: dict[str, tuple[str, ...]] = {
    # Apple, Samsung, Xiaomi, Google, Huawei smartphones (BABT "35" and TAF "86" allocations)
    "smart": ("35328115", "35391110", "35396811", "35467211", "35674108", "35202906", "35688161",
              "35292711", "35347411", "35180765", "35449612", "35717912", "86799505", "86426806",
              "86068805", "35354610", "35766731", "86697304"),
    "flagship": ("35882211", "35255418", "35904374", "35167982", "35411219", "86910207"),
    "feature": ("35549010", "35980108", "35377911", "35159109"),        # Doro, HMD/Nokia
    "cheap": ("35609011", "86512003", "86331704", "35875610", "86854005"),  # entry Android, burner phones
    "module": ("86185603", "86203104", "35720807", "35395608", "86677302"),  # Quectel, SIMCom, Telit, u-blox
    "gateway": ("86455703", "35312706", "86793702", "86012904"),         # multi-port GSM/VoIP gateways
    "rugged": ("35431810", "35998912", "35120876"),                     # courier / field-service handhelds
}


def luhn(body: str) -> str:
    """The Luhn check digit of a 14-digit IMEI body."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class ImeiMaker:
    """Unique IMEIs per handset."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, rng: random.Random, group: str) -> str:
        tacs = TACS[group]
        for _ in range(100):
            tac = tacs[rng.randrange(len(tacs))]
            body = tac + f"{rng.randrange(10 ** 6):06d}"
            imei = body + luhn(body)
            if imei not in self.used:
                self.used.add(imei)
                return imei
        raise RuntimeError("IMEI space exhausted")

    def junk(self, rng: random.Random) -> str:
        """An IMEI with an unallocated-looking TAC, as written by IMEI-changing SIM-box firmware."""
        body = f"{rng.randrange(10 ** 14):014d}"
        imei = body + (luhn(body) if rng.random() < 0.5 else str(rng.randrange(10)))
        self.used.add(imei)
        return imei
