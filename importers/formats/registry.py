"""Every format the importers know, by name, and the sink each writes to."""
from importers.formats.observation_formats import CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST
from importers.formats.touchpoints_format import TOUCHPOINTS
from importers.sinks.observations import ObservationSink
from importers.sinks.touchpoints import TouchpointsSink

FORMATS = {f.name: f for f in (CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST, TOUCHPOINTS)}

SINKS = {
    "observations": ObservationSink,
    "touchpoints": TouchpointsSink,
}
