"""The percentiles every bench prints, computed one way: linear interpolation between the ordered
samples (statistics.quantiles, inclusive; numpy's default), so a p95 is a p95 and not the largest
sample (the nearest-rank p95 of 20 samples is their maximum)."""
import statistics


def percentile(values, q: float) -> float:
    """The q-th quantile (0 < q < 1, in hundredths) of the samples."""
    values = list(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def p95(values) -> float:
    return percentile(values, 0.95)
