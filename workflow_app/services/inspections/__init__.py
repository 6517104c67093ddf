"""Enterprise inspections (涉企行政检查): yearly plans (`plans`), random draws (`draws`), visits and
their public check (`visits`), joint visits of several departments (`joint_visits`)."""
