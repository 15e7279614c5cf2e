"""Benchmark: the customer-choice catalogue's list page against a trivial view.

Fills a municipality with 300 providers with active contracts (languages, specialisations,
additional services), serves the application with gunicorn on PostgreSQL, and measures in the
same run, at the same concurrency, the list page's throughput and p95 latency next to the
health check's (a view that runs one `SELECT 1`). Target: the list reaches at least half the
trivial view's throughput.

    .venv/bin/python -m bench.catalog [--providers 300] [--seconds 10] [--concurrency 4]

Prints `catalog_list_vs_trivial_throughput: <ratio>` last. Uses its own database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/lov_portal_bench).
"""

import argparse
import os
import random

from bench import harness

MUNICIPALITY_CODE = "1427"


def fill(providers: int) -> None:
    """The demo data, and `providers` more providers with active contracts in Sotenäs."""
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command
    from stdnum import luhn

    from lov_portal.core.models import Area, Municipality, ServiceType
    from providers.models import AdditionalService, Contract, Language, Provider, Specialisation

    call_command("seed_demo", verbosity=0)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    areas = list(Area.objects.filter(municipality=municipality))
    services = list(ServiceType.objects.filter(code__startswith="hemtjanst"))
    languages = list(Language.objects.all())
    specialisations = list(Specialisation.objects.all())
    rng = random.Random(2026)
    for n in range(providers):
        base = f"8880{n:05d}"
        provider = Provider.objects.create(
            name=f"Bänkens Omsorg {n:03d} AB",
            organisation_number=f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}",
            legal_form="limited_company",
            has_f_tax=True,
            presentation="Hemtjänst med kontinuitet och trygghet. " * 5,
            phone="0523-100 00",
            email=f"info{n}@bank.example",
        )
        provider.languages.set(rng.sample(languages, 3))
        provider.specialisations.set(rng.sample(specialisations, 2))
        AdditionalService.objects.create(
            provider=provider, name="Fönsterputs", price=Decimal("450.00")
        )
        contract = Contract.objects.create(
            provider=provider,
            municipality=municipality,
            valid_from=date(2026, 1, 1),
            capacity_value=rng.choice([None, 0, 200, 400]),
        )
        contract.service_types.set(services)
        contract.areas.set(rng.sample(areas, rng.randint(1, len(areas))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--providers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    print(f"Preparing {harness.database_url()} with {args.providers} providers …", flush=True)
    harness.recreate_database()
    harness.setup_django()
    fill(args.providers)

    list_path = f"/katalog/{MUNICIPALITY_CODE}/"
    with harness.served(workers=args.workers) as port:
        status, body = harness.fetch(port, list_path)
        assert status == 200 and b"B\xc3\xa4nkens Omsorg 000 AB" in body, status
        listed, trivial = harness.compare(
            port,
            list_path,
            "/halsa/",
            concurrency=args.concurrency,
            seconds=args.seconds,
        )
    print(f"gunicorn workers: {args.workers}, client concurrency: {args.concurrency}")
    print(trivial.line())
    print(listed.line())
    ratio = listed.throughput / trivial.throughput
    print(f"catalog_list_p95_ms: {listed.p95_ms:.1f}")
    print(f"catalog_list_vs_trivial_throughput: {ratio:.2f}")


if __name__ == "__main__":
    main()
