"""The command palette (Ctrl+P): every action of the console, found by name."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ConsoleCommands(Provider):
    """Offers every binding of the main screen (and its inbox) as a command."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(title, key, action) for every described binding on the screen below the palette."""
        from agentdesk.screens.main import MainScreen
        from agentdesk.widgets.inbox_list import InboxList
        from agentdesk.widgets.reply_area import ReplyArea

        screen = next((s for s in reversed(self.app.screen_stack) if isinstance(s, MainScreen)), None)
        if screen is None:
            return []
        found: list[tuple[str, str, str]] = []
        for source in (MainScreen.BINDINGS, InboxList.BINDINGS, ReplyArea.BINDINGS):
            for binding in source:
                if isinstance(binding, Binding) and binding.description:
                    found.append((binding.description, binding.key.split(",")[0], binding.action))
        found.append(("Quit", "q", "app.quit"))
        return found

    async def _run(self, action: str) -> None:
        from agentdesk.screens.main import MainScreen
        from agentdesk.widgets.inbox_list import InboxList
        from agentdesk.widgets.reply_area import ReplyArea

        screen = next(s for s in reversed(self.app.screen_stack) if isinstance(s, MainScreen))
        if action.startswith("app."):
            await self.app.run_action(action.removeprefix("app."))
        elif any(b.action == action for b in InboxList.BINDINGS if isinstance(b, Binding)):
            await screen.query_one(InboxList).run_action(action)
        elif any(b.action == action for b in ReplyArea.BINDINGS if isinstance(b, Binding)):
            # Template keys act on the composer: open it on the conversation first.
            area = screen.query_one(ReplyArea)
            if self.app.focused is not area:
                await screen.run_action("reply")
            await area.run_action(action)
        else:
            await screen.run_action(action)

    async def discover(self) -> Hits:
        for title, key, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, action), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, key, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=f"key: {key}")
