"""`manage.py cti_simulate --team Sales`: a pretend telephone system sends one call's events to the endpoint."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from contactcare.services import system_user
from contacts.models import Team
from cti import services, simulator
from cti.models import CtiLine


class Command(BaseCommand):
    help = "Simulate a call from the telephone system: send newCall, answer, hangup to the endpoint (or the service)."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="the desk (team name or id)")
        parser.add_argument("--scenario", choices=list(simulator.SCENARIOS), default="answered")
        parser.add_argument("--from", dest="from_number", help="the caller's number (default: a customer's)")
        parser.add_argument("--user", help="user name of the staff member it rings for (default: a team member)")
        parser.add_argument("--url", help=f"base URL of ContactCare (default SITE_URL, {settings.SITE_URL})")
        parser.add_argument("--token", help="the line's token (shown when it was made); a line is made if none")
        parser.add_argument("--direct", action="store_true", help="call the service directly, not over HTTP")
        parser.add_argument("--form", action="store_true", help="send form-encoded bodies instead of JSON")
        parser.add_argument("--ring", type=float, default=3.0, help="seconds it rings (default 3)")
        parser.add_argument("--talk", type=float, default=8.0, help="seconds of talking (default 8)")
        parser.add_argument("--call-id", default="", help="the callId (default: a new one)")

    def handle(self, *args, **options):
        team = self._team(options["team"])
        person = simulator.person_for(team, options["user"])
        if options["user"] and person is None:
            raise CommandError(f"No active member {options['user']!r} in team {team.pk}.")
        number = options["from_number"] or simulator.caller_number(team, options["scenario"])
        sequence = simulator.steps(
            scenario=options["scenario"],
            from_number=number,
            person=person,
            ring=max(options["ring"], 0),
            talk=max(options["talk"], 0),
            call_id=options["call_id"],
        )
        if options["direct"]:
            line = (
                CtiLine.objects.filter(team=team).first()
                or services.line_token_rotate(team=team, actor=system_user())[0]
            )
            send = self._direct(line)
        else:
            send = simulator.send_http(self._endpoint(team, options), as_form=options["form"])
        answers = simulator.run(sequence, send)
        for step, answer in zip(sequence, answers, strict=True):
            self.stdout.write(f"{step.event}: {answer}")
        if any(answer != 200 for answer in answers):
            raise CommandError("The endpoint refused an event (see above).")

    def _team(self, value: str) -> Team:
        team = Team.objects.filter(pk=int(value)).first() if value.isascii() and value.isdigit() else None
        team = team or Team.objects.filter(name=value).first()
        if team is None:
            raise CommandError(f"No team {value!r}.")
        return team

    def _endpoint(self, team: Team, options) -> str:
        token = options["token"]
        if not token:
            if CtiLine.objects.filter(team=team).exists():
                raise CommandError("This team's line has a token already: pass it with --token, or use --direct.")
            _line, token = services.line_token_rotate(team=team, actor=system_user())
            self.stdout.write(f"Made a line for the team; its token (shown once): {token}")
        base = (options["url"] or settings.SITE_URL).rstrip("/")
        return base + reverse("cti:events", args=[token])

    def _direct(self, line: CtiLine):
        actor = system_user()

        def send(step: simulator.Step) -> int:
            try:
                services.call_event(line=line, event=step.event, data=step.data, actor=actor)
            except services.CallConflict:
                return 409
            except services.ValidationError:
                return 400
            return 200

        return send
