"""Every format the importers know, by name, and the sink each writes to."""
from importers.formats.observation_formats import CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST
from importers.formats.reference_formats import REFERENCE_FORMATS
from importers.formats.touchpoints_format import TOUCHPOINTS
from importers.sinks.capacity import CapacitySink
from importers.sinks.commitments import CommitmentSink
from importers.sinks.observations import ObservationSink
from importers.sinks.org import LeaderSink, MetricDefinitionSink, OrgSink
from importers.sinks.plans import PlanSink
from importers.sinks.targets import TargetSink
from importers.sinks.touchpoints import TouchpointsSink

FORMATS = {f.name: f for f in (CANONICAL, PERFGOV_COLLECTIONS, PERFGOV_TRUST, TOUCHPOINTS, *REFERENCE_FORMATS)}

SINKS = {
    "observations": ObservationSink,
    "touchpoints": TouchpointsSink,
    "commitments": CommitmentSink,
    "org": OrgSink,
    "metric-definitions": MetricDefinitionSink,
    "leaders": LeaderSink,
    "performance-plans": PlanSink,
    "capacity": CapacitySink,
    "targets": TargetSink,
}
