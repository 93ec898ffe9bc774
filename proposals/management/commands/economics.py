"""python manage.py economics INPUT.json — the output JSON of POST /api/v1/economics."""

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from proposals.api import economics_output


class Command(BaseCommand):
    help = "Compute a PSA placement from an input JSON file ('-' for stdin) and print the result."

    def add_arguments(self, parser):
        parser.add_argument("input", help="input JSON file, as POST /api/v1/economics takes")

    def handle(self, *args, **options):
        try:
            if options["input"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(options["input"], encoding="utf-8") as f:
                    data = json.load(f)
        except (OSError, ValueError) as error:
            raise CommandError(f"{options['input']}: {error}") from error
        try:
            output = economics_output(data)
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise CommandError(f"{field}: {messages[0]}") from error
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
