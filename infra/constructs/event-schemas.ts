import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { eventJsonSchema } from '../../lib/events/json-schema';
import { EVENT_TYPES, type EventType } from '../../lib/events/schemas';

/** Props of the event schema registry. */
export interface EventSchemasProps {
  /** The `source` of Reachout events; each schema pins it. */
  readonly eventSource: string;
  /**
   * Registry description.
   * @default 'Reachout events'
   */
  readonly description?: string;
}

/**
 * The published event contract (E1): an EventBridge schema registry holding one JSON Schema (draft 4)
 * per detail type, generated at synth time from the zod schemas that producers validate with
 * (lib/events), so the registry cannot drift from the code. Consumers download code bindings from it.
 */
export class EventSchemas extends Construct {
  /** The registry. */
  public readonly registry: eventschemas.CfnRegistry;
  /** One schema per detail type. */
  public readonly schemas: Readonly<Record<EventType, eventschemas.CfnSchema>>;

  constructor(scope: Construct, id: string, props: EventSchemasProps) {
    super(scope, id);
    // No registry name: CloudFormation generates one, so two stacks in an account never collide.
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', { description: props.description ?? 'Reachout events' });
    const schemas = {} as Record<EventType, eventschemas.CfnSchema>;
    for (const type of EVENT_TYPES) {
      schemas[type] = new eventschemas.CfnSchema(this, type, {
        registryName: this.registry.attrRegistryName,
        // Names live inside this stack's own registry; `<source>@<DetailType>` is how EventBridge names discovered schemas.
        schemaName: `${props.eventSource}@${type}`,
        type: 'JSONSchemaDraft4',
        description: `Reachout ${type} event`,
        content: JSON.stringify(eventJsonSchema(type, props.eventSource)),
      });
    }
    this.schemas = schemas;
  }
}
