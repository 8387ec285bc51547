import { SnowflakeUnderTest } from './snowflake';
import { describeConformance } from './suite';

describeConformance(new SnowflakeUnderTest());
