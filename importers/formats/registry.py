"""Every format the importers know, by name, and the sink each writes to."""
from importers.formats.observation_formats import CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST
from importers.sinks.observations import ObservationSink

FORMATS = {f.name: f for f in (CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST)}

SINKS = {
    "observations": ObservationSink,
}
